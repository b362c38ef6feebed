"""Text to typed AST: the Lark grammar, the pre-lexer, and the shell-word lexer."""
