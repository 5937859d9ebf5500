"""
Starts lambda-tutor's runtime client for Python handlers: /usr/bin/python3 -uS bootstrap.py

The client lives in _lambda_tutor_client.py (beside this file, first on sys.path while this
script starts) because Python caches the bytecode of imported modules, never of the script it
runs: compiling the client on every cold start would cost milliseconds.
"""
import sys

import _lambda_tutor_client

sys.exit(_lambda_tutor_client.main())
