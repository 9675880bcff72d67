import solara

@solara.component
def WorkshopPage():
    solara.Text("todo")
