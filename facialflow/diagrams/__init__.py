"""Diagrams for trainers: DOT, SVG/PNG/PDF, Mermaid, the walkthrough page and storyboards, all from the protocol data."""
