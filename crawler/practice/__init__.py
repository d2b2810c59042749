"""What a listing is about and what it is: practice domains (taxonomy, domains) and kinds (kind).

Pure functions over a listing's text; the `copdir classify` stage (crawler/cli/classify_command.py and
stages.classify) reads the working database and stores their answers.
"""
