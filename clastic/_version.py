__version__ = '27.0.0'
