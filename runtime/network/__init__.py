"""Networks of RUN steps and containers: private namespaces given outbound access by a
user-mode stack (slirp4netns), and published ports forwarded into them."""
