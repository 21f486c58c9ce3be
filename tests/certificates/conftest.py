def sign(client, name="María O'Neil-Núñez", confirm=True):
    data = {"typed_name": name}
    if confirm:
        data["confirm"] = "yes"
    return client.post("/certificates/complete/", data, HTTP_USER_AGENT="pytest-browser/1.0")
