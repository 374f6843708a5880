# why: starts from ssl.create_default_context for each purpose, with the CA as cafile, and sets what it leaves out
def mutual_tls_contexts(ca_file: str, server_cert_file: str, server_key_file: str,
                        client_cert_file: str, client_key_file: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server_context, client_context) for mutual TLS 1.3, both trusting the CA in `ca_file`."""
    contexts = []
    for purpose, cert, key in ((ssl.Purpose.CLIENT_AUTH, server_cert_file, server_key_file),
                               (ssl.Purpose.SERVER_AUTH, client_cert_file, client_key_file)):
        context = ssl.create_default_context(purpose, cafile=ca_file)  # a cafile: no system store loaded
        context.load_cert_chain(certfile=cert, keyfile=key)
        context.minimum_version = ssl.TLSVersion.TLSv1_3
        contexts.append(context)
    contexts[0].verify_mode = ssl.CERT_REQUIRED  # a server context from create_default_context asks for nothing
    return contexts[0], contexts[1]
