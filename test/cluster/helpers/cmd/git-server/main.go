// Command git-server serves the bare repositories under --root over HTTPS on loopback, read-only, through Git's
// own smart-HTTP CGI program (git-http-backend). It makes its own CA and server certificate at start-up, writes
// the CA to --ca-out, and prints one JSON line {"url": ..., "caFile": ...} on stdout once it accepts connections.
//
// With GIT_SERVER_AUTH=user:password in the environment every request needs that HTTP basic auth (kept out of
// the arguments, which any local user can read).
package main

import (
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"flux-bootstrap.test/cluster/helpers/pki"
)

func main() {
	root := flag.String("root", "", "directory of bare repositories (<name>.git)")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	caOut := flag.String("ca-out", "", "where to write the CA certificate (PEM)")
	flag.Parse()
	if *root == "" || *caOut == "" {
		log.Fatal("git-server: --root and --ca-out are required")
	}
	backend, err := findBackend()
	if err != nil {
		log.Fatal("git-server: ", err)
	}
	ca, err := pki.NewCA("flux-test-git-ca")
	if err != nil {
		log.Fatal(err)
	}
	server, err := ca.Issue("git-server", nil, "127.0.0.1", "localhost")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*caOut, ca.CertPEM, 0o644); err != nil {
		log.Fatal(err)
	}
	cert, err := tls.X509KeyPair(server.CertPEM, server.KeyPEM)
	if err != nil {
		log.Fatal(err)
	}
	abs, err := filepath.Abs(*root)
	if err != nil {
		log.Fatal(err)
	}
	var handler http.Handler = &cgi.Handler{
		Path: backend,
		// EXPORT_ALL: serve every repository under the root without a git-daemon-export-ok marker file.
		Env: []string{"GIT_PROJECT_ROOT=" + abs, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1"},
	}
	if auth := os.Getenv("GIT_SERVER_AUTH"); auth != "" {
		user, pass, ok := strings.Cut(auth, ":")
		if !ok {
			log.Fatal("git-server: GIT_SERVER_AUTH must be user:password")
		}
		handler = basicAuth(handler, user, pass)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	ready, _ := json.Marshal(map[string]string{"url": "https://" + ln.Addr().String(), "caFile": *caOut})
	fmt.Println(string(ready))
	srv := &http.Server{Handler: logged(handler), TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	log.Fatal(srv.ServeTLS(ln, "", ""))
}

// findBackend asks git where its helper programs live, so any distribution's layout works.
func findBackend() (string, error) {
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		return "", fmt.Errorf("git --exec-path: %w", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	if _, err := os.Stat(path); err != nil {
		return "", err
	}
	return path, nil
}

func basicAuth(next http.Handler, user, pass string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(user)) != 1 ||
			subtle.ConstantTimeCompare([]byte(p), []byte(pass)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// logged writes one line per request to stderr, which the tests keep as the server's log.
func logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &status{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Printf("%s %s %d", r.Method, r.URL.RequestURI(), rec.code)
	})
}

type status struct {
	http.ResponseWriter
	code int
}

func (s *status) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}
