"""Turns a question or topic into a cited answer or briefing over the stored articles."""
