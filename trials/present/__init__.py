"""What users read: the label catalogue, the deck, the PDF, exports, CLI tables."""
