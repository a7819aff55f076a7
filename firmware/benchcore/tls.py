"""TLS for the uplink: the broker must show a certificate signed by the hub's CA (mqtt.ca).

MicroPython 1.29's ssl takes a CA only as DER (its mbedTLS has no PEM parser); config.json may hold
the PEM that `hub broker-ca` prints, or its DER in base64: both become DER here. The handshake is
driven by the uplink without blocking (Uplink._handshake): the socket is non-blocking, the
SSLSocket is wrapped with do_handshake_on_connect=False, and the first application bytes (umqtt's
CONNECT, held back by FramedSocket) push it forward one step per call.
"""
import binascii


class TLSError(OSError):
    """The broker's certificate was refused (wrong CA, wrong name, expired) or TLS failed."""


def ca_der(text):
    text = text.strip()
    if text.startswith("-----"):
        lines = text.split("\n")
        text = "".join(line.strip() for line in lines if line and not line.startswith("-----"))
    return binascii.a2b_base64(text)


def context(mqtt):
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = ssl.CERT_REQUIRED
    try:
        ctx.load_verify_locations(cadata=ca_der(mqtt["ca"]))
    except (KeyError, ValueError) as exc:
        raise TLSError("config.json mqtt.ca is missing or not a certificate (%s)" % exc)
    return ctx


def wrap(ctx, sock, mqtt):
    # server_hostname: both SNI and the name checked against the certificate (SAN); defaults to
    # the host the bench connects to.
    return ctx.wrap_socket(sock, server_hostname=mqtt.get("server_hostname") or mqtt["host"],
                           do_handshake_on_connect=False)
