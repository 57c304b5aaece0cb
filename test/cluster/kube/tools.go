//go:build tools

// Package tools pins the Kubernetes commands the test cluster runs, so that `go build` of each one inside this
// module resolves k8s.io/kubernetes with the replaces above.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
