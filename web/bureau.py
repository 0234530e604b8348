"""stub"""
ROUTES: list = []
