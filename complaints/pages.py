"""Pages data of complaints."""


def home_card(user):
    return None
