# abiquo-mock in a container (make image builds both targets with Docker or podman; docs/ci.md).
#   docker build -t abiquo-mock .                                the serving image: the mock, no test tooling
#   docker build --target contract -t abiquo-mock:contract .     the same plus the contract suites
#   docker run -p 127.0.0.1:8080:8080 -v abiquo-data:/data abiquo-mock
# podman and buildah: add --format docker, or the image loses its HEALTHCHECK (OCI images have none).
#
# Layers go from what changes least to what changes most. The dependencies come from the pinned files in
# requirements/ (make lock), never from pyproject.toml, so a cold build installs the same versions and editing
# pyproject.toml, a source file or the README rebuilds only the wheel and the last layer; the wheel is built
# with the pinned setuptools already installed, so that rebuild needs no network at all.

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ABIQUO_MOCK_HEALTH_FILE=/tmp/abiquo-mock-health.json
# The user the mock runs as: uid and gid 10001, owning /data (the store) and /work (the contract suites'
# reports). Group 0 may write both too, so that an image run with another --user still works.
RUN groupadd --gid 10001 abiquo \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /data --shell /usr/sbin/nologin abiquo \
 && mkdir /data /work && chown 10001:0 /data /work && chmod 0775 /data /work
VOLUME /data
EXPOSE 8080
# The health check asks the address the server announced in ABIQUO_MOCK_HEALTH_FILE, whatever --port or
# --no-control the command gave. Every 2 s, so the first check comes 2 s after the start (the server answers
# within a second); the check is a small Python process, about 40 ms of CPU.
HEALTHCHECK --interval=2s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "abiquo_mock.mockserver.healthcheck"]
# exec form: the server is PID 1 and receives SIGTERM from docker stop
CMD ["abiquo-mock", "serve", "--host", "0.0.0.0", "--port", "8080", "--db", "/data/abiquo-mock.json"]

FROM runtime AS wheel
COPY requirements/build.txt /tmp/requirements/
RUN pip install --no-deps -r /tmp/requirements/build.txt
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md LICENSE ./
COPY abiquo_mock abiquo_mock
COPY mockserver mockserver
COPY contracts contracts
COPY fixtures fixtures
# Built and installed here, under /install: the final images copy the installed package, never the wheel.
RUN pip wheel --no-deps --no-build-isolation --wheel-dir /wheels . \
 && pip install --no-deps --no-warn-script-location --prefix /install /wheels/*.whl

FROM runtime AS serve-dependencies
COPY requirements/serve.txt /tmp/requirements/
RUN pip install --no-deps -r /tmp/requirements/serve.txt && rm -r /tmp/requirements

FROM serve-dependencies AS contract-dependencies
COPY requirements/contract.txt /tmp/requirements/
RUN pip install --no-deps -r /tmp/requirements/contract.txt && rm -r /tmp/requirements

FROM contract-dependencies AS contract
COPY --from=wheel /install /usr/local
RUN pip check
USER 10001:10001
WORKDIR /work

# The default target, last: the serving image.
FROM serve-dependencies AS serve
COPY --from=wheel /install /usr/local
RUN pip check
USER 10001:10001
WORKDIR /data
