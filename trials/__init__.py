"""Ruhr clinical-trial benchmarking: harvest ClinicalTrials.gov, model places and institutions, rank."""

__version__ = "0.1.0"
