# The eddy image: a static binary on an empty base, run as a non-root user.
#   docker build -t eddy --build-arg VERSION=$(git describe --tags --always) .
#   docker run --rm -p 8080:8080 -v eddy-data:/data -v $PWD/token:/run/secrets/eddy-token:ro eddy
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/eddy ./cmd/eddy \
 && mkdir -p /out/data

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/eddy /eddy
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/eddy"]
# Listening beyond loopback needs a token (eddy serve --help).
CMD ["serve", "--data", "/data", "--listen", "0.0.0.0:8080", "--token-file", "/run/secrets/eddy-token"]
