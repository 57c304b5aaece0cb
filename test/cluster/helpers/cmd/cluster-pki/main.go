// Command cluster-pki writes every key and certificate a single-node test control plane needs into one directory:
//
//	ca.{crt,key}                  cluster CA: signs the serving certificate and the client certificates
//	apiserver.{crt,key}           kube-apiserver serving certificate for loopback and the in-cluster names
//	admin.{crt,key}               client, O=system:masters (kubectl, kwok, the Flux controllers)
//	controller-manager.{crt,key}  client, CN=system:kube-controller-manager
//	scheduler.{crt,key}           client, CN=system:kube-scheduler
//	front-proxy-ca.{crt,key}      request-header CA the aggregator's client certificate chains to
//	front-proxy-client.{crt,key}  the apiserver's --proxy-client certificate
//	sa.key, sa.pub                service-account token signing key pair
package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"flux-bootstrap.test/cluster/helpers/pki"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cluster-pki <dir>")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "cluster-pki:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ca, err := pki.NewCA("flux-test-cluster-ca")
	if err != nil {
		return err
	}
	front, err := pki.NewCA("flux-test-front-proxy-ca")
	if err != nil {
		return err
	}
	// 10.0.0.1 is the first address of the service range kube-apiserver is started with (the kubernetes Service).
	leaves := []struct {
		name, cn string
		orgs     []string
		ca       *pki.Pair
		hosts    []string
	}{
		{"apiserver", "kube-apiserver", nil, ca, []string{"127.0.0.1", "localhost", "10.0.0.1", "kubernetes",
			"kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}},
		{"admin", "admin", []string{"system:masters"}, ca, nil},
		{"controller-manager", "system:kube-controller-manager", nil, ca, nil},
		{"scheduler", "system:kube-scheduler", nil, ca, nil},
		{"front-proxy-client", "front-proxy-client", nil, front, nil},
	}
	if err := ca.Write(dir, "ca"); err != nil {
		return err
	}
	if err := front.Write(dir, "front-proxy-ca"); err != nil {
		return err
	}
	for _, l := range leaves {
		p, err := l.ca.Issue(l.cn, l.orgs, l.hosts...)
		if err != nil {
			return err
		}
		if err := p.Write(dir, l.name); err != nil {
			return err
		}
	}
	key, keyPEM, err := pki.NewKey()
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "sa.key"), keyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
}
