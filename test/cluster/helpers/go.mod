module flux-bootstrap.test/cluster/helpers

go 1.26.0
