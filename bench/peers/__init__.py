"""Other link checkers run side by side with copdir's: installed into bench/.peers-venv, never into the project."""
