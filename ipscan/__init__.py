"""ipscan: find code copied from licensed open source, locally, before it is committed or merged."""

__version__ = "0.1.0"
