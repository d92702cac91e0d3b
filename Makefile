# make release: static eddy binaries for linux and darwin on amd64 and
# arm64 in dist/, with SHA256SUMS (CGO_ENABLED=0, -trimpath, the version
# and commit stamped with -ldflags). VERSION=v1.2.3 overrides git describe.
# make console: rebuild the web console's SQL editor bundle
# (cmd/eddy/serve/console/static/editor.js) from cmd/eddy/serve/console/editor
# with npm and esbuild; commit the result.
.PHONY: release install test clean console

DIST ?= dist

release:
	rm -rf $(DIST)
	.ci/release.sh $(DIST)

install:
	go install ./cmd/eddy

test:
	go test ./...

console:
	go generate ./cmd/eddy/serve/console/

clean:
	rm -rf $(DIST)
