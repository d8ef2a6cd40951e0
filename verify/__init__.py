"""slth-verify: exact, certified answers about quantized subset sum and pruned quantized networks.

The package is layered; each module imports only from layers below it (see README,
"Architecture"): numbers -> problems -> generators -> prefilter -> solving -> cli.
"""

__version__ = "0.2.0"
