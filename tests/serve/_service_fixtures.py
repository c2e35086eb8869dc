"""Constants shared by the service tests: the test embedder and the API key the service accepts."""

from weaviate_recsys.loaders import HashingEmbedder

EMB = HashingEmbedder(dim=64)
KEY = "test-key-1"
