"""The citizen committee (comité citoyen): members with terms, their declared links to outlets,
and the stratified lottery that draws members from volunteers."""
