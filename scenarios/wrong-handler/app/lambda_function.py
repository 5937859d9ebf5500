GREETINGS = {"en": "Hello, {}!", "fr": "Bonjour, {} !", "de": "Hallo, {}!"}


def lambda_handler(event, context):
    name = event.get("name", "world")
    template = GREETINGS.get(event.get("lang", "en"), GREETINGS["en"])
    print(f"greeting {name}")
    return {"greeting": template.format(name)}
