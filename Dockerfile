FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt package.json package-lock.json ./
# Set PIP_EXTRA_INDEX_URL to a CPU-only PyTorch index to keep the image small.
RUN pip install --no-cache-dir -r requirements.txt \
    && npm ci --no-audit --no-fund
COPY . .
RUN useradd --create-home techbridge && chown -R techbridge /app
USER techbridge
EXPOSE 8000
