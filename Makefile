# make release: static eddy binaries for linux and darwin on amd64 and
# arm64 in dist/, with SHA256SUMS (CGO_ENABLED=0, -trimpath, the version
# and commit stamped with -ldflags). VERSION=v1.2.3 overrides git describe.
.PHONY: release install test clean

DIST ?= dist

release:
	rm -rf $(DIST)
	.ci/release.sh $(DIST)

install:
	go install ./cmd/eddy

test:
	go test ./...

clean:
	rm -rf $(DIST)
