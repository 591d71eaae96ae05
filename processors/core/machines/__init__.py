"""The machines the engine routes to, one module (or package) each."""
