"""WeCom (企业微信) channel: callback server, crypto, outbound client."""
