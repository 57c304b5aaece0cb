//go:build tools

// Package tools pins kwok, which fakes the test cluster's node and the status of its pods. Its module also ships
// the stages (kustomize/stage/fast) the build renders.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
