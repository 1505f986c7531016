# Image of the worker and starter binaries (docker-compose.yml; README
# "Many machines"). libtorch is set up by scripts/libtorch.sh, exactly as on a
# development machine: by default the CPU parts of the PyPI torch 2.1.2
# wheel; with --build-arg LIBTORCH_URL=<official libtorch 2.1.2 zip> (e.g.
# the cxx11-ABI CUDA 12.1 build from download.pytorch.org) that build, whose
# libtorch_cuda.so makes libtorch.sh select the CUDA link flags, for GPU
# workers. bin/worker is then built with -tags gotch by scripts/build.sh.
FROM golang:1.26-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-pip ca-certificates curl unzip \
 && rm -rf /var/lib/apt/lists/*
ENV SUPERMAX_CACHE=/opt/supermax
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG LIBTORCH_URL=
RUN if [ -n "$LIBTORCH_URL" ]; then \
      curl -fsSL "$LIBTORCH_URL" -o /tmp/libtorch.zip && unzip -q /tmp/libtorch.zip -d /opt && rm /tmp/libtorch.zip \
      && LIBTORCH=/opt/libtorch scripts/libtorch.sh; \
    else scripts/libtorch.sh; fi \
 && mkdir -p /opt/libtorch \
 && scripts/build.sh

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libgomp1 \
 && rm -rf /var/lib/apt/lists/*
# libtorch.env (LD_LIBRARY_PATH among others) names paths under these two.
COPY --from=build /opt/supermax /opt/supermax
COPY --from=build /opt/libtorch /opt/libtorch
COPY --from=build /src/bin/starter /src/bin/worker /usr/local/bin/
COPY --from=build /src/data/testdata/redsm5-fixture /data/redsm5-fixture
COPY scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV SUPERMAX_CACHE=/opt/supermax HPO_OUTDIR=/runs MALLOC_ARENA_MAX=2
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["worker", "--help"]
