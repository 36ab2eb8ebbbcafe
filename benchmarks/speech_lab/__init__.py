"""Speech lab: an evaluation set of spoken interview answers, decoding measurements, streaming and the finish command.

See benchmarks/speech_lab/README.md. Audio and transcripts are cached under $SPEECH_LAB_CACHE, never committed.
"""
