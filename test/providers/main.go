// Command terraform-provider-standin serves the schema of one real OpenTofu provider (helm, kubectl or
// digitalocean) so that `tofu validate` and `tofu test` with mock_provider can check the project's modules
// offline. It is a test stand-in: every call that would touch a cluster or a cloud API fails with an error.
//
// One binary holds every schema; it picks one from the name it was installed under
// (terraform-provider-<type>_v<version>), which is how scripts/test-providers.sh lays out the mirror.
package main

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

//go:embed schemas/*.json
var schemas embed.FS

// providerType extracts <type> from "terraform-provider-<type>_v<version>".
func providerType(executable string) (string, error) {
	base := strings.TrimPrefix(filepath.Base(executable), "terraform-provider-")
	name, _, found := strings.Cut(base, "_v")
	if !found || name == "" || name == base {
		return "", fmt.Errorf("cannot tell which provider to stand in for from the file name %q", filepath.Base(executable))
	}
	return name, nil
}

func loadStandIn(name string) (*standIn, error) {
	raw, err := schemas.ReadFile("schemas/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("no stand-in schema for provider %q", name)
	}
	return parseStandIn(raw)
}

// listStandIns prints "<type> <source> <version>" per embedded schema, for scripts/test-providers.sh to lay
// out the mirror from the same files the binary serves.
func listStandIns() error {
	entries, err := schemas.ReadDir("schemas")
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".json")
		info, err := loadStandIn(name)
		if err != nil {
			return err
		}
		if _, err := newServer(info); err != nil {
			return fmt.Errorf("stand-in schema for %s is invalid: %w", name, err)
		}
		fmt.Printf("%s %s %s\n", name, info.Source, info.Version)
	}
	return nil
}

func run() error {
	if len(os.Args) == 2 && os.Args[1] == "--list" {
		return listStandIns()
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	name, err := providerType(exe)
	if err != nil {
		return err
	}
	info, err := loadStandIn(name)
	if err != nil {
		return err
	}
	srv, err := newServer(info)
	if err != nil {
		return fmt.Errorf("stand-in schema for %s is invalid: %w", name, err)
	}
	return tf6server.Serve("registry.opentofu.org/"+info.Source, func() tfprotov6.ProviderServer { return srv })
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "terraform-provider-standin:", err)
		os.Exit(1)
	}
}
