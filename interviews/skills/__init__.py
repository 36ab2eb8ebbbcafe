"""What a job asks for: skills and seniority read from a job description or CV (plain Python + embeddings)."""
