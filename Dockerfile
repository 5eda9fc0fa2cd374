# syntax=docker/dockerfile:1
# Tandem in a container: a static binary (CGO_ENABLED=0) on distroless
# static, which has CA certificates, tzdata and a non-root user (the binary
# also embeds the zone database, time/tzdata). Build: docker build -t tandem .
# Run: see docs/operations.md ("Docker").

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/tandem ./cmd/tandem \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tandem /usr/local/bin/tandem
COPY deploy/config.docker.yaml /etc/tandem/config.yaml
# The database, its WAL, the lock and the console and calendar secrets live
# here; mount a volume on it.
COPY --from=build --chown=nonroot:nonroot /out/data /data
VOLUME /data
WORKDIR /data
USER nonroot:nonroot
EXPOSE 8080
# No HEALTHCHECK: distroless has no shell or curl. Probe GET /readyz from
# the orchestrator (Kubernetes readinessProbe, a load balancer) instead.
ENTRYPOINT ["/usr/local/bin/tandem"]
CMD ["serve", "--config", "/etc/tandem/config.yaml"]
