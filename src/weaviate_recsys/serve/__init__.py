"""The recommendation service: `weaviate-recsys serve`, an HTTP API (FastAPI) and a page to look at profiles.

``create_app(settings)`` gives the ASGI app; run it with uvicorn (any number of replicas against one
Weaviate) or with the CLI. See docs/serving.md.
"""

from .app import ServiceState, create_app
from .models import MAX_K

__all__ = ["MAX_K", "ServiceState", "create_app"]
