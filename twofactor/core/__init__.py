"""The core every other part imports: the method contract (`method.Method`), the active methods
(`registry`) and the loading of the built-in methods' models."""
