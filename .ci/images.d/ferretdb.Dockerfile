# CI stand-in for mongo:7 (no registry here): FerretDB on SQLite, built from tools/ferretdb.
FROM node:24-bookworm-slim
COPY ferretdb /usr/local/bin/ferretdb
RUN mkdir -p /data && chown 10001:10001 /data
USER 10001:10001
CMD ["ferretdb", "-listen", "0.0.0.0:27017", "-dir", "/data/"]
