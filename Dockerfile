# meetd container image: one static binary, running as a non-root user.
#   docker build -t meetd .
#   docker compose -f packaging/compose.yaml up    (see that file: config, state and the web app in volumes)
# Ports: 443/tcp (HTTPS: web app, XMPP, bridge channel) and 10000/udp (media).
# Docker lets unprivileged processes bind ports below 1024 inside a container
# (net.ipv4.ip_unprivileged_port_start=0), so no capability is needed for 443.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=container
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/meetd ./cmd/meetd \
 && mkdir -p /out/state /out/etc && cp packaging/container.toml /out/etc/meetd.toml

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/meetd /usr/bin/meetd
COPY --from=build --chown=nonroot:nonroot /out/state /var/lib/meetd
COPY --from=build /out/etc/meetd.toml /etc/meetd/meetd.toml
USER nonroot:nonroot
WORKDIR /var/lib/meetd
VOLUME ["/var/lib/meetd"]
EXPOSE 443/tcp 10000/udp
# Health: the ops listener ([ops] listen) answers /about/health; probe it from the host or a
# sidecar on the container network (the image has no shell or curl).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/meetd"]
CMD ["-config", "/etc/meetd/meetd.toml"]
