"""The span-side hash of system prompts matches the registry's, whether remembered or not."""

import hashlib

from otel_llm import hashing


def test_recent_text_hash_is_the_sha256_of_the_text_remembered_or_not():
    texts = [f"You are agent {i}. Ünïcode ✓" for i in range(hashing._MAX_RECENT + 10)]
    texts.append("x" * (hashing._MAX_REMEMBERED_CHARS + 1))
    for _ in range(2):  # second pass: partly from memory (the memory restarted once it was full)
        for text in texts:
            assert hashing.recent_text_hash(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()
            assert hashing.recent_text_hash(text) == hashing.text_hash(text)
    assert len(hashing._RECENT) <= hashing._MAX_RECENT
    assert texts[-1] not in hashing._RECENT
