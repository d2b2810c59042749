"""The sample web's test certificates and the script that made them (make_certs.py)."""
