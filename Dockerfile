# abiquo-mock in a container: docker build -t abiquo-mock . && docker run -p 8080:8080 -v abiquo-data:/data abiquo-mock
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY mockserver mockserver
COPY contracts contracts
COPY fixtures fixtures
RUN pip install --no-cache-dir -e .
ENV ABIQUO_MOCK_FIXTURES=/app/fixtures
VOLUME /data
EXPOSE 8080
# exec form: the server is PID 1 and receives SIGTERM from docker stop
CMD ["abiquo-mock", "serve", "--host", "0.0.0.0", "--port", "8080", "--db", "/data/abiquo-mock.json"]
