// Command terraform-provider-standin stands in for the DigitalOcean provider (digitalocean/digitalocean) in the
// tests: the Go module proxy serves no version of the real one, so it cannot be built here, and DigitalOcean's
// API is someone else's cloud. It serves the real provider's schema (schemas/digitalocean.json), configures like
// it (token, api_endpoint and their environment variables) and reads the one data source the modules use,
// digitalocean_kubernetes_cluster, over HTTP from whatever API endpoint it is given — in the tests, the API
// stand-in in test/support/digitalocean-api.ts. Every resource call is refused.
package main

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-plugin-go/tfprotov5/tf5server"
)

//go:embed schemas/digitalocean.json
var schemaFile []byte

// providerType extracts <type> from "terraform-provider-<type>_v<version>".
func providerType(executable string) (string, error) {
	base := strings.TrimPrefix(filepath.Base(executable), "terraform-provider-")
	name, _, found := strings.Cut(base, "_v")
	if !found || name == "" || name == base {
		return "", fmt.Errorf("cannot tell which provider to stand in for from the file name %q", filepath.Base(executable))
	}
	return name, nil
}

func run() error {
	info, err := parseStandIn(schemaFile)
	if err != nil {
		return err
	}
	srv, err := newServer(info)
	if err != nil {
		return fmt.Errorf("stand-in schema for %s is invalid: %w", info.Source, err)
	}
	// "--list" prints "<type> <source> <version>" for scripts/test-providers.sh, so the mirror is laid out from
	// the same file the binary serves.
	if len(os.Args) == 2 && os.Args[1] == "--list" {
		fmt.Printf("%s %s %s\n", info.Type(), info.Source, info.Version)
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	// Installed under another provider's name, it would serve the wrong schema: refuse to start instead.
	if name, err := providerType(exe); err != nil || name != info.Type() {
		return fmt.Errorf("this binary stands in for %s only, not for %q (%v)", info.Source, filepath.Base(exe), err)
	}
	// Protocol 5, as the real (SDKv2) provider speaks.
	return tf5server.Serve("registry.opentofu.org/"+info.Source, func() tfprotov5.ProviderServer { return srv })
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "terraform-provider-standin:", err)
		os.Exit(1)
	}
}
