"""Briefbot's Streamlit web app (``streamlit run ui/app.py``): presentation over ``Briefbot``."""
