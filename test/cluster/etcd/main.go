// Command etcd is the etcd server of the release in go.mod: etcd's own main module replaces its sibling modules
// with local paths, so `go install` of it is refused, while this module builds the same entry point.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
