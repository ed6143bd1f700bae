# abiquo-mock in a container.
#   docker build -t abiquo-mock .                                the serving image: the mock, no test tooling
#   docker build --target contract -t abiquo-mock:contract .     the same plus the contract suites
#   docker run -p 8080:8080 -v abiquo-data:/data abiquo-mock     (or: make image)
# Layers go from what changes least to what changes most: the dependencies are installed from pyproject.toml
# alone, so editing a source file or the README rebuilds only the last layers.

FROM python:3.11-slim AS python
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml ./
# requirements-<extra>.txt: the project's dependencies, and those an extra adds, read from pyproject.toml
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
open('requirements-serve.txt', 'w').write('\n'.join(p['dependencies'])); \
open('requirements-contract.txt', 'w').write('\n'.join(p['optional-dependencies']['contract']))"

FROM python AS wheel
COPY README.md LICENSE setup.py MANIFEST.in ./
COPY abiquo_mock abiquo_mock
COPY mockserver mockserver
COPY contracts contracts
COPY fixtures fixtures
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python AS serve-dependencies
RUN pip install -r requirements-serve.txt

FROM serve-dependencies AS contract-dependencies
RUN pip install -r requirements-contract.txt

# The mock as a non-root user owning the store's folder; the volume keeps the store between containers.
FROM contract-dependencies AS contract
COPY --from=wheel /wheels /wheels
RUN pip install --no-deps /wheels/*.whl && pip check && rm -rf /wheels \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin abiquo \
 && mkdir -p /data && chown abiquo:abiquo /data
USER abiquo
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["python", "-m", "abiquo_mock.mockserver.healthcheck"]
# exec form: the server is PID 1 and receives SIGTERM from docker stop
CMD ["abiquo-mock", "serve", "--host", "0.0.0.0", "--port", "8080", "--db", "/data/abiquo-mock.json"]

# The default target, last: the serving image.
FROM serve-dependencies AS serve
COPY --from=wheel /wheels /wheels
RUN pip install --no-deps /wheels/*.whl && pip check && rm -rf /wheels \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin abiquo \
 && mkdir -p /data && chown abiquo:abiquo /data
USER abiquo
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["python", "-m", "abiquo_mock.mockserver.healthcheck"]
CMD ["abiquo-mock", "serve", "--host", "0.0.0.0", "--port", "8080", "--db", "/data/abiquo-mock.json"]
