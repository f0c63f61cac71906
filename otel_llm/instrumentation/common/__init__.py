"""The SDK-neutral layer: span lifecycle, request record, content capture, stream proxies, patching."""
