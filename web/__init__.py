"""The web pages of Caisse commune: server-rendered Jinja2 templates, French by default.

`web.app` gives the app factory the router, templates, static files and CSRF configuration;
`web.pages` holds the handlers; `web.errors` turns errors into HTML pages (or a login redirect).
Pages call the caisse's services; they never write SQL that a service already offers.
"""
