"""The compat layer: the request hook every request of our clients passes, its rewrites, and the reasoning memory.

Nothing here is imported by ``import deepseek_openai``; the factories load the hook when a client is created.
"""
