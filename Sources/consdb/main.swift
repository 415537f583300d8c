print("consdb")
