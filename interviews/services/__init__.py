"""InterBot's use-cases and rules: sessions (start, answer, finish), the report, grading, question choice, speech
metrics. Adapters to models and providers are in interviews.ai."""
