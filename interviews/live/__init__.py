"""The live interview: the Django page, the mounted Gradio app and its websocket status feed.

Imports nothing, so `import interviews.live.render` never loads Gradio.
"""
