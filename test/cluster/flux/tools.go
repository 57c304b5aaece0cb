//go:build tools

// Package tools pins the Flux controllers the test cluster runs; each is built with `go build` inside this module
// so the replaces above apply.
package tools

import (
	_ "github.com/fluxcd/kustomize-controller"
	_ "github.com/fluxcd/source-controller"
)
