# CI stand-in for redis:7-bookworm (no registry here): Debian's redis-server, reachable
# from other containers as the official image is (protected mode off, all interfaces).
FROM node:24-bookworm-slim
RUN apt-get update -q && apt-get install -y -q --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data && chown redis:redis /data \
  && printf '#!/bin/sh\nexec "$@" --bind 0.0.0.0 --protected-mode no\n' > /usr/local/bin/redis-entrypoint && chmod +x /usr/local/bin/redis-entrypoint
WORKDIR /data
USER redis
ENTRYPOINT ["redis-entrypoint"]
CMD ["redis-server"]
